"""The console channel: try the bot in a terminal, with no messenger at all."""
