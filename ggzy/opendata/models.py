"""The open-data app stores nothing: OCDS is built on request from the other apps' public state."""
