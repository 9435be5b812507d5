"""Importing a WordPress site's posts and pages (``manage.py import_wordpress``).

``sources`` tells what each input is, ``rest`` and ``wxr`` read the two formats into
``items.Item``, ``items.to_post`` checks and cleans one (with ``content``), ``fetch``
downloads a REST list page by page, and ``importer`` runs it all and writes the report.
"""
