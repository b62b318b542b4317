"""PostgreSQL keeps the 1,000 most common bigrams of `search_grams` instead of 100, so the planner
knows how many notices a two-character query matches and chooses between the GIN index and the
date order by measurement (docs/search.md: a 2-character name in 36% of a million notices went
from 2.2 s to 3 ms with this and case-sensitive comparison of caseless queries)."""

from django.db import migrations

STATISTICS_TARGET = 1000


def statistics_raise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE disclosure_notice ALTER COLUMN search_grams SET STATISTICS {STATISTICS_TARGET}"
        )
        schema_editor.execute("ANALYZE disclosure_notice")


def statistics_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE disclosure_notice ALTER COLUMN search_grams SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0004_search_grams"),
    ]

    operations = [
        migrations.RunPython(statistics_raise, statistics_default),
    ]
