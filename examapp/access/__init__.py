"""Who may do what: the access policy (view declarations) and the role names, shared by every package."""
