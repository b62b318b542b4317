"""Nothing here yet: notifications are sent by other apps through services.notification_send."""
