"""SQLAlchemy models, repositories and the unit of work behind domain's ports."""
