"""External exchange packages (外部交换包): envelope.py (shared), services.py (documents), receipts.py, views."""
