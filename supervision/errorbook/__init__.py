"""The error book (错题本, C14): its services and selectors (services.py) and its pages (views.py)."""
