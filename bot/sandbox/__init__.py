"""Telegram in-process: a recording fake of the Bot API with Telegram's flood limits, HTML
parse mode and reactions, builders of the updates users send, and clocks a script moves.
The demo plays on it; the tests and benches drive the desk with it."""
