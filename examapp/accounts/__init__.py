"""Users, roles and party organisations: login, passwords, user import."""
