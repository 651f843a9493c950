/* b2bot web chat widget: one script tag, no build step.
 *
 *   <script src="https://b2bot.example.com/webchat/widget.js" data-lang="ru" defer></script>
 *
 * Optional attributes: data-lang (en|ru), data-title, data-open="true", and for a logged-in customer
 * data-customer-id, data-timestamp, data-signature (HMAC-SHA256 of "customer_id:timestamp" signed by the
 * supplier's server). Page API: window.B2botChat.open(), .close(), .restart({identity, lang}).
 *
 * Protocol v1 over /webchat/ws: every transcript entry has a sequence number; the widget acknowledges
 * what it shows, resends unacknowledged messages with the same id after a reconnect (the server ignores
 * repeats), and falls back to HTTP polling when WebSockets are blocked.
 */
(function () {
  "use strict";
  if (window.B2botChat) return;

  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : "/webchat/widget.js", location.href);
  var origin = base.origin;
  var data = (script && script.dataset) || {};

  var TEXTS = {
    en: {
      title: "Chat with us", open: "Open chat", close: "Close chat", placeholder: "Type a message",
      input: "Message", send: "Send", attach: "Attach an order file (CSV or XLSX)", typing: "Typing…",
      unread: function (n) { return n + " unread"; }, reconnecting: "Reconnecting…", you: "You",
      bot: "Assistant", download: "Download", log: "Conversation", options: "Options",
      file_sent: "File sent", too_big: "The file is larger than 1 MB.",
      errors: { rate_limited: "You are sending messages too fast. Please wait a moment.",
                busy: "Still answering your previous message…", internal: "Something went wrong. Please try again.",
                bad_signature: "We could not verify your account; you are chatting as a guest.",
                stale_signature: "Your sign-in has expired; reload the page to chat as yourself." }
    },
    ru: {
      title: "Чат с нами", open: "Открыть чат", close: "Закрыть чат", placeholder: "Напишите сообщение",
      input: "Сообщение", send: "Отправить", attach: "Прикрепить файл заказа (CSV или XLSX)", typing: "Печатает…",
      unread: function (n) { return "непрочитанных: " + n; }, reconnecting: "Переподключение…", you: "Вы",
      bot: "Ассистент", download: "Скачать", log: "Переписка", options: "Варианты",
      file_sent: "Файл отправлен", too_big: "Файл больше 1 МБ.",
      errors: { rate_limited: "Слишком много сообщений подряд. Подождите немного.",
                busy: "Ещё отвечаю на предыдущее сообщение…", internal: "Что-то пошло не так. Попробуйте ещё раз.",
                bad_signature: "Не удалось подтвердить вашу учётную запись; вы в чате как гость.",
                stale_signature: "Вход устарел; обновите страницу, чтобы писать от своего имени." }
    }
  };

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".bubble{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;",
    "background:#1f6feb;color:#fff;font-size:28px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".bubble:focus-visible,button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #f4b400;outline-offset:2px}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;",
    "background:#d93025;color:#fff;font-size:13px;line-height:22px;font-weight:600}",
    ".panel{position:fixed;right:20px;bottom:90px;width:380px;max-width:calc(100vw - 40px);height:600px;",
    "max-height:calc(100vh - 110px);background:#fff;color:#1d1d1f;border-radius:14px;display:flex;flex-direction:column;",
    "box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;z-index:2147483000}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#1f6feb;color:#fff}",
    "header h2{margin:0;font-size:16px}",
    "header button{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;min-width:44px;min-height:44px}",
    ".status{font-size:12px;padding:4px 14px;background:#fff4ce;color:#5c4400}",
    ".status[hidden]{display:none}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f6f8}",
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;font-size:14px;line-height:1.4}",
    ".out{align-self:flex-start;background:#fff;border:1px solid #e1e4e8}",
    ".in{align-self:flex-end;background:#1f6feb;color:#fff}",
    ".error{align-self:center;background:#fdecea;color:#8a1c12;font-size:13px}",
    ".actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".actions button,.rows button,.toggle{border:1px solid #1f6feb;background:#fff;color:#1f6feb;border-radius:16px;",
    "padding:6px 12px;font-size:13px;cursor:pointer;min-height:36px;text-align:left}",
    ".actions button:hover,.rows button:hover{background:#eaf1fe}",
    ".rows{list-style:none;margin:8px 0 0;padding:0;display:flex;flex-direction:column;gap:4px}",
    ".rows button{width:100%;border-radius:8px}",
    ".rows small{display:block;color:#57606a}",
    ".card img{display:block;width:100%;max-height:180px;object-fit:cover;border-radius:8px;margin-bottom:6px;background:#eee}",
    ".card h3{margin:0 0 4px;font-size:15px}",
    ".doc a{color:#1f6feb;font-weight:600}",
    ".typing{align-self:flex-start;font-size:13px;color:#57606a;font-style:italic}",
    ".typing[hidden]{display:none}",
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #e1e4e8;background:#fff}",
    "form input[type=text]{flex:1;min-width:0;padding:10px;border:1px solid #c9ced6;border-radius:8px;font-size:15px}",
    "form button{border:0;border-radius:8px;background:#1f6feb;color:#fff;padding:0 14px;font-size:14px;cursor:pointer;min-height:44px}",
    "form .attach{background:#eef1f5;color:#1d1d1f;font-size:18px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}",
    ".bubble{right:14px;bottom:14px}}"
  ].join("");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === "text") node.textContent = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function icon(svg) {
    var holder = document.createElement("span");
    holder.setAttribute("aria-hidden", "true");
    holder.innerHTML = svg;  // a constant of this file, never user input
    return holder;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function chooseLang(value) {
    var lang = (value || navigator.language || "en").slice(0, 2).toLowerCase();
    return TEXTS[lang] ? lang : "en";
  }

  function Chat(options) {
    this.lang = chooseLang(options.lang);
    this.t = TEXTS[this.lang];
    this.identity = options.identity || null;
    this.title = options.title || this.t.title;
    this.storageKey = "b2bot-webchat:" + origin + ":" + (this.identity ? "c:" + this.identity.customer_id : "guest");
    this.session = null;
    this.lastSeq = 0;
    this.pending = {};       // client id -> frame, until the server accepts it
    this.pendingOrder = [];
    this.unread = 0;
    this.socket = null;
    this.failures = 0;
    this.everOpened = false;
    this.polling = null;
    this.stopped = false;
    this.started = false;
    try { this.session = localStorage.getItem(this.storageKey); } catch (e) { this.session = null; }
    this.build(options.open);
    this.connect();
  }

  Chat.prototype.build = function (startOpen) {
    var t = this.t, self = this;
    this.host = el("div", { "data-b2bot-chat": "", lang: this.lang });
    document.body.appendChild(this.host);
    var root = this.host.attachShadow({ mode: "open" });
    root.appendChild(el("style", { text: CSS }));
    this.badge = el("span", { class: "badge", "aria-hidden": "true" });
    this.badge.hidden = true;
    this.bubble = el("button", { class: "bubble", type: "button", "aria-label": t.open, "aria-expanded": "false",
                                 "aria-controls": "b2bot-panel", onclick: function () { self.toggle(); } },
                     [icon('<svg viewBox="0 0 24 24" width="28" height="28" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>'), this.badge]);
    this.status = el("div", { class: "status", role: "status", text: t.reconnecting });
    this.status.hidden = true;
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0" });
    this.typing = el("div", { class: "typing", role: "status", text: t.typing });
    this.typing.hidden = true;
    this.input = el("input", { type: "text", "aria-label": t.input, placeholder: t.placeholder, maxlength: "4000",
                               autocomplete: "off" });
    this.file = el("input", { type: "file", class: "sr", tabindex: "-1", "aria-hidden": "true",
                              accept: ".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
    this.file.addEventListener("change", function () { self.upload(); });
    var form = el("form", { onsubmit: function (event) { event.preventDefault(); self.sendText(); } }, [
      el("button", { type: "button", class: "attach", "aria-label": t.attach, title: t.attach,
                     onclick: function () { self.file.click(); } }, [icon('<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12.5l-8.5 8.5a5 5 0 0 1-7-7L14 5.5a3.5 3.5 0 0 1 5 5L10.5 19a2 2 0 0 1-3-3L15 8.5"/></svg>')]),
      this.input, this.file,
      el("button", { type: "submit", text: t.send })
    ]);
    this.panel = el("div", { class: "panel", id: "b2bot-panel", role: "dialog", "aria-modal": "false",
                             "aria-label": this.title }, [
      el("header", {}, [el("h2", { text: this.title }),
        el("button", { type: "button", "aria-label": t.close, onclick: function () { self.close(); } },
           [el("span", { "aria-hidden": "true", text: "×" })])]),
      this.status, this.log, form
    ]);
    this.log.appendChild(this.typing);
    this.panel.hidden = true;
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.close(); }
    });
    root.appendChild(this.panel);
    root.appendChild(this.bubble);
    if (startOpen) this.open();
  };

  Chat.prototype.isOpen = function () { return !this.panel.hidden; };
  Chat.prototype.toggle = function () { if (this.isOpen()) this.close(); else this.open(); };
  Chat.prototype.open = function () {
    this.panel.hidden = false;
    this.bubble.setAttribute("aria-expanded", "true");
    this.bubble.setAttribute("aria-label", this.t.close);
    this.unread = 0;
    this.showBadge();
    this.scroll();
    this.input.focus();
  };
  Chat.prototype.close = function () {
    this.panel.hidden = true;
    this.bubble.setAttribute("aria-expanded", "false");
    this.showBadge();
    this.bubble.focus();
  };
  Chat.prototype.showBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
    var label = this.isOpen() ? this.t.close : this.t.open;
    this.bubble.setAttribute("aria-label", this.unread ? label + " (" + this.t.unread(this.unread) + ")" : label);
  };
  Chat.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  // Connection ----------------------------------------------------------------------------------

  Chat.prototype.hello = function () {
    return { v: 1, type: "hello", session: this.identity ? null : this.session, identity: this.identity,
             locale: this.lang, after: this.lastSeq };
  };

  Chat.prototype.connect = function () {
    if (this.stopped) return;
    if (!window.WebSocket || (this.failures >= 3 && !this.everOpened)) return this.startPolling();
    var self = this;
    var socket = new WebSocket(origin.replace(/^http/, "ws") + "/webchat/ws");
    this.socket = socket;
    socket.onopen = function () { self.everOpened = true; socket.send(JSON.stringify(self.hello())); };
    socket.onmessage = function (event) { self.onFrame(JSON.parse(event.data)); };
    socket.onclose = function () {
      if (self.socket !== socket || self.stopped) return;
      self.socket = null;
      self.status.hidden = false;
      self.failures += 1;
      clearInterval(self.pinger);
      setTimeout(function () { self.connect(); }, Math.min(15000, 500 * Math.pow(2, self.failures)));
    };
  };

  Chat.prototype.onFrame = function (frame) {
    if (frame.type === "welcome") {
      this.session = frame.session;
      try { localStorage.setItem(this.storageKey, frame.session); } catch (e) { /* private mode: no resume */ }
      this.status.hidden = true;
      this.failures = 0;
      var self = this;
      clearInterval(this.pinger);
      this.pinger = setInterval(function () { self.raw({ v: 1, type: "ping" }); }, 25000);
      this.pendingOrder.forEach(function (id) { self.raw(self.pending[id]); });
      if (frame.last_seq === 0 && !this.started) { this.started = true; this.raw({ v: 1, type: "start" }); }
    } else if (frame.type === "message") {
      this.onMessage(frame);
    } else if (frame.type === "accepted") {
      this.settle(frame.id);
    } else if (frame.type === "typing") {
      this.typing.hidden = !frame.on;
      if (frame.on) { this.log.appendChild(this.typing); this.scroll(); }
    } else if (frame.type === "error") {
      if (frame.id) this.settle(frame.id);
      if (frame.code === "bad_signature" || frame.code === "stale_signature") {
        this.notice(frame.code);
        this.identity = null;
        this.storageKey = "b2bot-webchat:" + origin + ":guest";
        try { this.session = localStorage.getItem(this.storageKey); } catch (e) { this.session = null; }
      } else {
        this.notice(frame.code, frame.message);
      }
    }
  };

  Chat.prototype.onMessage = function (frame) {
    if (frame.seq <= this.lastSeq) return;  // seen already (a resend after a reconnect)
    this.lastSeq = frame.seq;
    this.render(frame);
    if (frame.direction === "out") {
      this.typing.hidden = true;
      if (!this.isOpen()) { this.unread += 1; this.showBadge(); }
    }
    var self = this;
    clearTimeout(this.acker);
    this.acker = setTimeout(function () { self.raw({ v: 1, type: "ack", seq: self.lastSeq }); }, 200);
  };

  Chat.prototype.raw = function (frame) {
    if (this.socket && this.socket.readyState === 1) { this.socket.send(JSON.stringify(frame)); return; }
    if (this.polling && frame.type !== "ack" && frame.type !== "ping") this.post(frame);
  };

  Chat.prototype.send = function (frame) {
    frame.v = 1; frame.type = "message"; frame.id = newId();
    this.pending[frame.id] = frame;
    this.pendingOrder.push(frame.id);
    this.raw(frame);
  };

  Chat.prototype.settle = function (id) {
    delete this.pending[id];
    this.pendingOrder = this.pendingOrder.filter(function (other) { return other !== id; });
  };

  Chat.prototype.sendText = function () {
    var text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send({ text: text });
  };

  Chat.prototype.press = function (button) { this.send({ payload: button.payload, title: button.title }); };

  Chat.prototype.upload = function () {
    var file = this.file.files && this.file.files[0];
    var self = this;
    this.file.value = "";
    if (!file) return;
    if (file.size > 1000000) { this.notice("file_too_large", this.t.too_big); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var encoded = String(reader.result).split(",")[1] || "";
      var frame = { v: 1, type: "message", id: newId(),
                    file: { filename: file.name, content_type: file.type || "application/octet-stream", data: encoded } };
      self.post(frame);  // files always go over HTTP: they exceed the socket's frame limit
    };
    reader.readAsDataURL(file);
  };

  Chat.prototype.post = function (frame) {
    var self = this;
    return fetch(origin + "/webchat/messages", {
      method: "POST", headers: { "Content-Type": "application/json", "X-Webchat-Session": this.session || "",
                                 "X-Webchat-Locale": this.lang },
      body: JSON.stringify(frame)
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.type === "accepted") self.settle(answer.id);
      if (answer.type === "error") self.onFrame(answer);
      if (answer.error) self.onFrame(answer.error);
      if (self.polling) self.poll();
    }).catch(function () { /* stays pending; sent again after the next welcome */ });
  };

  // HTTP fallback: a session over POST, then polling for the transcript.
  Chat.prototype.startPolling = function () {
    var self = this;
    if (this.polling) return;
    fetch(origin + "/webchat/session", { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(this.hello()) })
      .then(function (response) { return response.json(); })
      .then(function (frame) {
        self.onFrame(frame);
        if (frame.type !== "welcome") return;
        self.polling = setInterval(function () { self.poll(); }, 3000);
        self.poll();
      });
  };

  Chat.prototype.poll = function () {
    var self = this;
    fetch(origin + "/webchat/messages?after=" + this.lastSeq, { headers: { "X-Webchat-Session": this.session } })
      .then(function (response) { return response.json(); })
      .then(function (page) { (page.messages || []).forEach(function (frame) { self.onMessage(frame); }); });
  };

  Chat.prototype.destroy = function () {
    this.stopped = true;
    clearInterval(this.pinger); clearInterval(this.polling);
    if (this.socket) this.socket.close();
    this.host.remove();
  };

  // Rendering -------------------------------------------------------------------------------------

  Chat.prototype.render = function (frame) {
    var self = this;
    var who = el("span", { class: "sr", text: (frame.direction === "in" ? this.t.you : this.t.bot) + ": " });
    var node;
    if (frame.direction === "in") {
      var label = frame.kind === "file" ? "📎 " + frame.filename : frame.text;
      node = el("div", { class: "msg in", "data-kind": frame.kind }, [who, document.createTextNode(label || "")]);
    } else {
      node = el("div", { class: "msg out", "data-kind": frame.kind }, [who]);
      if (frame.kind === "card") {
        node.classList.add("card");
        if (frame.image) node.appendChild(el("img", { src: frame.image, alt: frame.title, loading: "lazy" }));
        node.appendChild(el("h3", { text: frame.title }));
      }
      if (frame.kind === "document") {
        node.classList.add("doc");
        var size = frame.size ? " (" + Math.max(1, Math.round(frame.size / 1024)) + " KB)" : "";
        node.appendChild(el("a", { href: frame.url ? origin + frame.url : "#", download: frame.filename,
                                   "aria-label": this.t.download + " " + frame.filename, text: "⬇ " + frame.filename + size }));
        if (frame.caption) node.appendChild(el("div", { text: frame.caption }));
      } else if (frame.kind === "image") {
        node.appendChild(el("img", { src: frame.url, alt: frame.caption || "", loading: "lazy" }));
        if (frame.caption) node.appendChild(el("div", { text: frame.caption }));
      } else if (frame.text) {
        node.appendChild(el("div", { text: frame.text }));
      }
      if (frame.buttons && frame.buttons.length) {
        node.appendChild(el("div", { class: "actions", role: "group", "aria-label": this.t.options },
          frame.buttons.map(function (button) {
            return el("button", { type: "button", text: button.title, onclick: function () { self.press(button); } });
          })));
      }
      if (frame.kind === "list") node.appendChild(this.renderList(frame));
    }
    this.log.insertBefore(node, this.typing);
    this.scroll();
  };

  Chat.prototype.renderList = function (frame) {
    var self = this;
    var listId = "b2bot-list-" + frame.seq;
    var rows = el("ul", { class: "rows", id: listId });
    frame.sections.forEach(function (section) {
      if (section.title) rows.appendChild(el("li", { role: "presentation" }, [el("strong", { text: section.title })]));
      section.rows.forEach(function (row) {
        rows.appendChild(el("li", {}, [el("button", { type: "button", onclick: function () { self.press(row); } },
          [document.createTextNode(row.title), row.description ? el("small", { text: row.description }) : null])]));
      });
    });
    var toggle = el("button", { type: "button", class: "toggle", "aria-expanded": "true", "aria-controls": listId,
                                text: frame.button || this.t.options });
    toggle.addEventListener("click", function () {
      rows.hidden = !rows.hidden;
      toggle.setAttribute("aria-expanded", String(!rows.hidden));
    });
    return el("div", { class: "actions list" }, [toggle, rows]);
  };

  Chat.prototype.notice = function (code, message) {
    var text = this.t.errors[code] || message || code;
    this.log.insertBefore(el("div", { class: "msg error", role: "alert", text: text }), this.typing);
    this.scroll();
  };

  // Page API ----------------------------------------------------------------------------------------

  function identityFromData() {
    if (!data.customerId || !data.signature) return null;
    return { customer_id: data.customerId, timestamp: parseInt(data.timestamp, 10), signature: data.signature };
  }

  var current = null;
  function start(options) {
    if (current) current.destroy();
    current = new Chat(options);
    return current;
  }

  window.B2botChat = {
    open: function () { if (current) current.open(); },
    close: function () { if (current) current.close(); },
    restart: function (options) {
      var previous = current;
      return start({ identity: options.identity || null, lang: options.lang || (previous && previous.lang),
                     title: data.title, open: options.open !== undefined ? options.open : previous && previous.isOpen() });
    }
  };

  function boot() {
    if (data.manual === "true") return;  // the page calls B2botChat.restart itself
    start({ identity: identityFromData(), lang: data.lang, title: data.title, open: data.open === "true" });
  }
  if (document.body) boot(); else document.addEventListener("DOMContentLoaded", boot);
})();
