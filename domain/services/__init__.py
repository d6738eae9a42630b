"""Use cases: each opens one unit of work, lets the domain decide, commits once."""

from domain.services.desk import Desk

__all__ = ["Desk"]
