from ..scope import current_street, current_street_or_none  # noqa: F401  (the one place, issue 18)

# The notice board ("/", endpoint public.index) and shop pages live in board.py; /streets in city.py.
