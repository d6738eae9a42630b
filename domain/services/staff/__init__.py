"""The staff side of the desk, one module per act: claim and priority (`claim`), what staff
look at (`look`), relay and notes (`relay`), asking the customer (`ask`), transfer and
collaboration (`transfer`), resolution (`resolve`), filing on a customer's behalf
(`filing`), the lists (`lists`); `desk` finds each act in its table.

Every act resolves the actor, asks domain.permissions, changes the ticket through
domain.ticket.Work, records the event, queues the messages for everyone else and the card
edits, all in one unit of work.
"""
