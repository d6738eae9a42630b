"""`python -m bot` is `feedback-desk`."""

from bot.cli import main

raise SystemExit(main())
