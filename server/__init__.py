"""The site's wiring, the top of the layers (docs/architecture.md): the URL conf that mounts
every app's pages and the API (with the error handlers of web/error_pages.py), and the WSGI
entry point."""
