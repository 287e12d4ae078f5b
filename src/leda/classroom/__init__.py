"""An instructor's class: a roster of participants, what it needs of an account, its stacks."""
