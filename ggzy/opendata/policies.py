"""Who may do what in the open-data app: everyone may read everything it serves, signed in or
not. The secrecy rules are kept one level down, where the data is read: `selectors` reads only
what the other apps have already published (docs/open-data.md, "Secrecy")."""
