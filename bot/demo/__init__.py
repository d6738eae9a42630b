"""`feedback-desk demo`: one desk day, played by the real bot on the sandbox Telegram."""
