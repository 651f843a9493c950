"""Catalogue search benchmark: 100,000 synthetic products (English and Russian) in a database of its own.

Measures the index build (time and resident memory) and p50/p99 latency of SKU exact, SKU prefix,
English names with typos and Russian names with inflection and typos, both inside the index and
through the whole service as a purchaser gets it (version check, index, then names, stock and prices
of the page from the database, for a company contact); the targets apply to the service. SQLite
always, PostgreSQL too when DATABASE_URL names it. Run `python bench/catalog_bench.py [products]`;
`run()` returns rows {"figure", "target", "measured", "pass"}. BENCH_CATALOG_PRODUCTS sets the size.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bench.harness import Backend, backend, backends, env_int
from core.bootstrap import build_core
from core.config import Settings
from core.domain.access import Actor
from core.models import (
    Base,
    Category,
    Company,
    Contact,
    Price,
    PriceList,
    Product,
    StockLevel,
    Warehouse,
)
from core.search.index import SearchKind
from core.search.live import bump_catalog_version, live_index, load_index
from core.services import catalog

PRODUCTS = 100_000
QUERIES = 500
SEED = 20240611

# (english, russian nominative, russian genitive, gender m/f/n/p, english synonyms, russian synonyms)
NOUNS: list[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("paper", "бумага", "бумаги", "f", ("copy paper",), ("ксероксная бумага",)),
    ("pen", "ручка", "ручки", "f", ("biro",), ("авторучка",)),
    ("pencil", "карандаш", "карандаша", "m", (), ()),
    ("notebook", "тетрадь", "тетради", "f", ("exercise book",), ()),
    ("folder", "папка", "папки", "f", ("file",), ("скоросшиватель",)),
    ("envelope", "конверт", "конверта", "m", (), ()),
    ("stapler", "степлер", "степлера", "m", (), ("сшиватель",)),
    ("marker", "маркер", "маркера", "m", ("highlighter",), ("фломастер",)),
    ("eraser", "ластик", "ластика", "m", ("rubber",), ("резинка",)),
    ("ruler", "линейка", "линейки", "f", (), ()),
    ("scissors", "ножницы", "ножниц", "p", (), ()),
    ("glue", "клей", "клея", "m", ("adhesive",), ()),
    ("tape", "скотч", "скотча", "m", ("sellotape",), ("клейкая лента",)),
    ("mop", "швабра", "швабры", "f", ("swab",), ()),
    ("bucket", "ведро", "ведра", "n", ("pail",), ()),
    ("gloves", "перчатки", "перчаток", "p", (), ()),
    ("towel", "полотенце", "полотенца", "n", (), ()),
    ("soap", "мыло", "мыла", "n", (), ()),
    ("detergent", "средство", "средства", "n", ("cleaner",), ("моющее средство",)),
    ("sponge", "губка", "губки", "f", (), ()),
    ("bag", "пакет", "пакета", "m", ("sack",), ("мешок",)),
    ("box", "коробка", "коробки", "f", ("carton",), ("короб",)),
    ("cup", "стакан", "стакана", "m", ("mug",), ("кружка",)),
    ("plate", "тарелка", "тарелки", "f", ("dish",), ()),
    ("napkin", "салфетка", "салфетки", "f", ("serviette",), ()),
    ("battery", "батарейка", "батарейки", "f", ("cell",), ("элемент питания",)),
    ("lamp", "лампа", "лампы", "f", ("bulb",), ("лампочка",)),
    ("cable", "кабель", "кабеля", "m", ("wire",), ("провод",)),
    ("socket", "розетка", "розетки", "f", ("outlet",), ()),
    ("switch", "выключатель", "выключателя", "m", (), ()),
    ("drill", "дрель", "дрели", "f", (), ()),
    ("screwdriver", "отвертка", "отвертки", "f", (), ()),
    ("hammer", "молоток", "молотка", "m", (), ()),
    ("screw", "шуруп", "шурупа", "m", (), ("саморез",)),
    ("bolt", "болт", "болта", "m", (), ()),
    ("nut", "гайка", "гайки", "f", (), ()),
    ("paint", "краска", "краски", "f", (), ("эмаль",)),
    ("brush", "кисть", "кисти", "f", (), ()),
    ("chair", "стул", "стула", "m", ("seat",), ("кресло",)),
    ("table", "стол", "стола", "m", ("desk",), ()),
    ("shelf", "полка", "полки", "f", ("rack",), ("стеллаж",)),
    ("cabinet", "шкаф", "шкафа", "m", ("cupboard",), ()),
    ("calculator", "калькулятор", "калькулятора", "m", (), ()),
    ("cartridge", "картридж", "картриджа", "m", (), ()),
    ("toner", "тонер", "тонера", "m", (), ()),
    ("label", "этикетка", "этикетки", "f", ("sticker",), ("наклейка",)),
    ("film", "пленка", "пленки", "f", ("wrap",), ()),
    ("rope", "веревка", "веревки", "f", ("cord",), ("шнур",)),
]
CATEGORY_OF = [0] * 13 + [1] * 12 + [2] * 5 + [3] * 7 + [4] * 5 + [5] * 6
CATEGORIES = [
    ("Office supplies", "Канцелярия"),
    ("Cleaning and hygiene", "Уборка и гигиена"),
    ("Electrical", "Электротовары"),
    ("Tools and fasteners", "Инструменты и крепеж"),
    ("Furniture", "Мебель"),
    ("Printing and packaging", "Печать и упаковка"),
]
# (english, russian stem): hard stems take -ый/-ая/-ое/-ые, stems ending in к/г/х take -ий/-ие.
ADJECTIVES = [
    ("white", "бел"), ("black", "черн"), ("red", "красн"), ("green", "зелен"), ("yellow", "желт"),
    ("grey", "сер"), ("brown", "коричнев"), ("office", "офисн"), ("durable", "прочн"),
    ("plastic", "пластиков"), ("metal", "металлическ"), ("wooden", "деревянн"), ("universal", "универсальн"),
    ("professional", "профессиональн"), ("compact", "компактн"), ("reinforced", "усиленн"),
    ("transparent", "прозрачн"), ("large", "крупн"), ("small", "мелк"), ("soft", "мягк"),
    ("disposable", "одноразов"), ("economy", "экономичн"), ("premium", "премиальн"), ("matte", "матов"),
    ("glossy", "глянцев"), ("waterproof", "водостойк"), ("antibacterial", "антибактериальн"),
]
NOMINATIVE = {"m": "ый", "f": "ая", "n": "ое", "p": "ые"}
GENITIVE = {"m": "ого", "f": "ой", "n": "ого", "p": "ых"}
SPECS = [
    ("A4", "A4"), ("A3", "A3"), ("A5", "A5"), ("80 g/m2", "80 г/м2"), ("500 ml", "500 мл"), ("1 l", "1 л"),
    ("5 l", "5 л"), ("10 pcs", "10 шт"), ("50 pcs", "50 шт"), ("100 m", "100 м"), ("12 mm", "12 мм"),
    ("19 mm", "19 мм"), ("HB", "HB"), ("size M", "размер M"), ("size L", "размер L"), ("2 m", "2 м"),
]
SYLLABLES = ["ka", "no", "ri", "ta", "mo", "ex", "pro", "lin", "vel", "dor", "san", "bri", "tek", "ola", "zen"]


@dataclass(frozen=True, slots=True)
class Made:
    sku: str
    noun: int
    adjective: int
    brand: str


def _adjective(stem: str, gender: str, case: dict[str, str]) -> str:
    ending = case[gender]
    if stem[-1] in "кгх" and ending in ("ый", "ые"):
        ending = "и" + ending[1:]
    return stem + ending


def generate(count: int, rng: random.Random) -> tuple[list[dict[str, Any]], list[Made]]:
    """Product rows for a bulk insert, and what each was made of (for building queries)."""
    brands = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
                     for _ in range(400)})
    rows: list[dict[str, Any]] = []
    made: list[Made] = []
    for n in range(count):
        noun_i, adj_i = rng.randrange(len(NOUNS)), rng.randrange(len(ADJECTIVES))
        en, ru, _gen, gender, syn_en, syn_ru = NOUNS[noun_i]
        adj_en, adj_ru = ADJECTIVES[adj_i]
        spec_en, spec_ru = rng.choice(SPECS)
        brand = rng.choice(brands)
        code = f"{rng.choice('KLMPRSTVX')}{rng.choice('ABCDEFGHX')}{rng.randint(10, 9999)}" if n % 2 else ""
        sku = f"{en[:3].upper()}-{n:06d}" + (f"-{rng.randint(1, 9)}" if n % 7 == 0 else "")
        rows.append({
            "id": n + 1,
            "sku": sku,
            "name": f"{en.capitalize()} {brand} {adj_en} {spec_en} {code}".strip(),
            "name_ru": f"{ru.capitalize()} {_adjective(adj_ru, gender, NOMINATIVE)} {brand} {spec_ru} {code}".strip(),
            "synonyms": list(syn_en + syn_ru),
            "unit": "pcs",
            "pack_size": rng.choice((1, 1, 1, 5, 10)),
            "min_order_qty": 1,
            "weight_kg": Decimal("0.500"),
            "volume_m3": Decimal("0.001"),
            "category_id": len(CATEGORIES) + 1 + noun_i,
            "barcode": f"46{n:011d}",
            "is_active": True,
        })
        made.append(Made(sku, noun_i, adj_i, brand))
    return rows, made


def _typo(word: str, rng: random.Random) -> str:
    """One deletion, transposition or substitution inside a word of five letters or more."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    alphabet = "абвгдежзиклмнопрстуфхцчшщыэюя" if word[0] >= "а" else "abcdefghijklmnopqrstuvwxyz"
    return word[:i] + rng.choice(alphabet) + word[i + 1:]


def _english_query(item: Made, rng: random.Random) -> str:
    noun, adjective = NOUNS[item.noun][0], ADJECTIVES[item.adjective][0]
    words = [_typo(noun, rng), adjective] if rng.random() < 0.5 else [noun, _typo(adjective, rng)]
    if rng.random() < 0.3:
        words.append(item.brand.lower())
    return " ".join(words)


def _russian_query(item: Made, rng: random.Random) -> str:
    _en, _ru, genitive, gender, _s1, _s2 = NOUNS[item.noun]
    adjective = _adjective(ADJECTIVES[item.adjective][1], gender, GENITIVE)
    words = [adjective, genitive]
    if rng.random() < 0.5:
        at = rng.randrange(2)
        words[at] = _typo(words[at], rng)
    return " ".join(words)


def _sku_variant(sku: str, rng: random.Random) -> str:
    return rng.choice((sku, sku.lower(), sku.replace("-", " "), sku.replace("-", "").lower()))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _timed(call: Callable[[str], object], texts: list[str]) -> list[float]:
    for text in texts[:20]:  # warm caches
        call(text)
    samples = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _timed_async(call: Callable[[str], Awaitable[object]], texts: list[str]) -> list[float]:
    for text in texts[:20]:
        await call(text)
    samples = []
    for text in texts:
        started = time.perf_counter()
        await call(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(figure: str, target: str, measured: float, ok: bool) -> dict[str, Any]:
    return {"figure": figure, "target": target, "measured": round(measured, 3), "pass": ok}


async def _run(products: int, queries: int, bk: Backend, tmp: str) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    rows_out: list[dict[str, Any]] = []
    label = f"[{bk.name}]"
    if True:  # one block, as when this function held the temporary folder itself
        core = build_core(bk.settings())
        async with core.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        started = time.perf_counter()
        product_rows, made = generate(products, rng)
        async with core.uow() as uow:
            session = uow.session
            session.add_all([Category(id=i + 1, name=en, name_ru=ru) for i, (en, ru) in enumerate(CATEGORIES)])
            session.add_all([
                Category(id=len(CATEGORIES) + 1 + i, name=en.capitalize(), name_ru=ru.capitalize(),
                         parent_id=CATEGORY_OF[i] + 1)
                for i, (en, ru, *_rest) in enumerate(NOUNS)
            ])
            session.add_all([
                Warehouse(id=1, code="MSK", name="Moscow", city="Moscow", address="1 Test st."),
                PriceList(id=1, code="tier-base", name="Base", tier="base"),
                Company(id=1, name="Bench Co", tax_id="7700000001"),
            ])
            await session.flush()
            session.add(Contact(id=1, company_id=1, name="Bench Buyer"))
            for start in range(0, len(product_rows), 20_000):
                chunk = product_rows[start:start + 20_000]
                await session.execute(insert(Product), chunk)
                await session.execute(insert(StockLevel), [
                    {"product_id": r["id"], "warehouse_id": 1, "on_hand": (r["id"] * 7) % 50} for r in chunk
                ])
                await session.execute(insert(Price), [
                    {"price_list_id": 1, "product_id": r["id"], "min_qty": 1,
                     "amount": Decimal(100 + r["id"] % 900)} for r in chunk
                ])
            await bump_catalog_version(session)
            await uow.commit()
        seeded = time.perf_counter() - started
        del product_rows
        print(f"seeded {products} products in {seeded:.1f} s", file=sys.stderr)

        async with core.uow() as uow:
            started = time.perf_counter()
            index = await live_index(uow.session).current(uow.session)
            build_s = time.perf_counter() - started
            # The same build again under tracemalloc (slower, so not timed): what the index keeps, and
            # the peak while rows are read and postings collected.
            gc.collect()
            tracemalloc.start()
            traced = await load_index(uow.session, index.version)
            gc.collect()
            retained, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del traced
        fresh = _measure_in_fresh_process(Path(tmp) / "bench.sqlite3") if not bk.is_postgres else None
        rows_out += [_row(f"index build s ({products} products, read from {bk.name}, in the bench process)",
                          "report", build_s, True)]
        if fresh is not None:
            rows_out += [
            _row("index retained MB (tracemalloc)", "report", retained / 2**20, True),
            _row("index build peak MB (tracemalloc)", "report", peak / 2**20, True),
            _row("index vocabulary tokens", "report", index.vocabulary_size, True),
            _row("fresh process: index build s", "report", fresh["build_s"], True),
            _row("fresh process: RSS MB before the index (core imported)", "report", fresh["before"], True),
            _row("fresh process: RSS MB holding the index", "report", fresh["after"], True),
            _row("fresh process: peak RSS MB while building", "report", fresh["peak"], True),
        ]

        picks = [made[rng.randrange(len(made))] for _ in range(queries)]
        workloads: dict[str, list[str]] = {
            "SKU exact": [_sku_variant(p.sku, rng) for p in picks],
            "SKU prefix": [p.sku[: rng.randint(5, 8)] for p in picks],
            "English name with typos": [_english_query(p, rng) for p in picks],
            "Russian name, inflected, typos": [_russian_query(p, rng) for p in picks],
        }
        targets = {"SKU exact": 2.0, "English name with typos": 20.0, "Russian name, inflected, typos": 20.0}
        actor = Actor(contact_id=1, company_id=1, locale="en")

        for figure, texts in workloads.items():
            kind: SearchKind = "sku" if figure.startswith("SKU") else "name"
            if figure == "SKU exact":
                p50, p99 = _percentiles(_timed(index.sku_exact, texts))
            else:
                p50, p99 = _percentiles(_timed(partial(index.search, kind=kind, limit=20), texts))
            target = targets.get(figure)
            rows_out += [
                _row(f"{figure}: index p50 ms", "report", p50, True),
                _row(f"{figure}: index p99 ms", "report", p99, True),
            ]
            async with core.uow() as uow:
                session = uow.session
                if figure == "SKU exact":
                    samples = await _timed_async(partial(catalog.get_by_sku, session, actor), texts)
                else:
                    samples = await _timed_async(partial(catalog.search_products, session, actor, kind=kind), texts)
                p50, p99 = _percentiles(samples)
            rows_out += [
                _row(f"{figure}: service p50 ms, with stock and prices {label}", "report", p50, True),
                _row(f"{figure}: service p99 ms, with stock and prices {label}",
                     f"<= {target:g}" if target else "report", p99, p99 <= target if target else True),
            ]

        found = {"en": 0, "ru": 0}
        for locale, figure in (("en", "English name with typos"), ("ru", "Russian name, inflected, typos")):
            for pick, text in zip(picks, workloads[figure], strict=True):
                hits = index.search(text, kind="name", limit=20)
                top = made[hits.ids[0] - 1] if hits.ids else None
                found[locale] += top is not None and (top.noun, top.adjective) == (pick.noun, pick.adjective)
        rows_out += [
            _row("English typo queries: top hit has the intended noun and adjective", ">= 0.95",
                 found["en"] / queries, found["en"] / queries >= 0.95),
            _row("Russian queries: top hit has the intended noun and adjective", ">= 0.95",
                 found["ru"] / queries, found["ru"] / queries >= 0.95),
        ]
        await core.close()
    return rows_out


def run(products: int | None = None, queries: int = QUERIES) -> list[dict[str, Any]]:
    products = products or env_int("BENCH_CATALOG_PRODUCTS", PRODUCTS)
    rows: list[dict[str, Any]] = []
    for kind in backends():
        with tempfile.TemporaryDirectory(prefix="catalog-bench-") as tmp, backend(kind, Path(tmp)) as bk:
            rows += asyncio.run(_run(products, queries, bk, tmp))
    return rows


def _measure_in_fresh_process(database: Path) -> dict[str, float]:
    """RSS of a process that only opens the database and builds the index, untouched by the generator."""
    script = Path(__file__).resolve()
    output = subprocess.run(  # noqa: S603 - our own interpreter running this very file
        [sys.executable, str(script), "--rss", str(database)], capture_output=True, text=True, check=True
    ).stdout
    return {k: float(v) for k, v in json.loads(output.splitlines()[-1]).items()}


async def _rss_child(database: Path) -> dict[str, float]:
    core = build_core(Settings(environment="test", database_url=f"sqlite+aiosqlite:///{database}"))
    gc.collect()
    before = _rss_mb()
    started = time.perf_counter()
    async with core.uow() as uow:
        index = await live_index(uow.session).current(uow.session)
    build_s = time.perf_counter() - started
    gc.collect()
    after = _rss_mb()
    await core.close()
    return {"before": before, "after": after, "peak": _peak_rss_mb(), "build_s": build_s, "products": len(index)}


def _peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: the latter survives exec and would report the parent's size at fork.
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        print(json.dumps(asyncio.run(_rss_child(Path(sys.argv[2])))))
    else:
        from bench.__main__ import print_table

        print_table(run(int(sys.argv[1]) if len(sys.argv) > 1 else None))
