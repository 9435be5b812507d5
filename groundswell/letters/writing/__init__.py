"""Write to your official: a supporter's ZIP finds their members of Congress (or any
officials in the directory), and a personal letter goes to each (docs/letters.md)."""
