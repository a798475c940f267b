"""Extensions (延期): their services (services.py) and their pages (views.py)."""
