"""The desk itself: entities, rules and use cases. No Telegram, no SQL."""
