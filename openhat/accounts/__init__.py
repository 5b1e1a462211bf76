"""Accounts: the HAT's other users, service tokens, hatlogin, password reset and address
verification by mail, and login protection (spec 2.6-2.8)."""
