"""Identity store: SQLModel tables and the services over them."""
