"""The sample feature repository: driver statistics, a Feast 0.66.0 project on the team's own PostgreSQL database.

Golden paths (docs/feast.md) import it, or run it:
  python3 feature-repo.py apply     creates and fills the source table, registers the definitions, materializes
  python3 feature-repo.py train     prints the historical features of a few drivers (what a training step reads)
  python3 feature-repo.py serve     prints the online features of the same drivers (what a model server reads)

The store's configuration is the team's `feature_store.yaml` (Secret `feast-store`, key `feature_store.yaml`), passed
in the environment variable FEAST_FEATURE_STORE_YAML or as a file named by FEAST_FS_YAML_FILE.
"""

import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Union

import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, Project, ValueType
from feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source import PostgreSQLSource
from feast.types import Float32, Int64

TABLE = "driver_stats"
DRIVER_IDS = [1001, 1002, 1003, 1004, 1005]
HOURS = 48

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64, description="A driver")

driver_stats_source = PostgreSQLSource(
    name="driver_stats_source",
    query=f"SELECT * FROM {TABLE}",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
)

driver_stats = FeatureView(
    name="driver_stats",
    entities=[driver],
    ttl=timedelta(days=2),
    schema=[
        Field(name="conv_rate", dtype=Float32),
        Field(name="acc_rate", dtype=Float32),
        Field(name="avg_daily_trips", dtype=Int64),
    ],
    source=driver_stats_source,
    online=True,
)

# What training and serving ask for.
DRIVER_FEATURES = ["driver_stats:conv_rate", "driver_stats:acc_rate", "driver_stats:avg_daily_trips"]


def feature_store() -> FeatureStore:
    """The team's store, from FEAST_FS_YAML_FILE or the YAML text in FEAST_FEATURE_STORE_YAML."""
    path = os.environ.get("FEAST_FS_YAML_FILE")
    if not path:
        text = os.environ.get("FEAST_FEATURE_STORE_YAML")
        if not text:
            sys.exit("feature-repo: set FEAST_FEATURE_STORE_YAML (Secret feast-store, key feature_store.yaml)")
        path = os.path.join(os.environ.get("HOME", "/tmp"), "feature_store.yaml")
        Path(path).write_text(text)
    return FeatureStore(repo_path=os.path.dirname(path), fs_yaml_file=Path(path))


def historical_features(store: FeatureStore, entity_df: Union[pd.DataFrame, str]) -> pd.DataFrame:
    """Training: the features of each (driver_id, event_timestamp) row as they were at that time; the rows are a
    DataFrame, or a query the PostgreSQL offline store runs (the golden-path pipeline's features step)."""
    return store.get_historical_features(entity_df=entity_df, features=DRIVER_FEATURES).to_df()


def online_features(store: FeatureStore, driver_ids: list) -> dict:
    """Serving: the latest features of each driver, from the online store."""
    return store.get_online_features(
        features=DRIVER_FEATURES, entity_rows=[{"driver_id": i} for i in driver_ids]
    ).to_dict()


def sample_rows(now: datetime) -> list:
    """HOURS hourly rows per driver ending at `now`, deterministic so runs and tests agree."""
    rows = []
    for d, driver_id in enumerate(DRIVER_IDS):
        for h in range(HOURS):
            at = now - timedelta(hours=HOURS - 1 - h)
            rows.append((driver_id, at, at, round(0.1 + 0.15 * d + 0.001 * h, 4), round(0.9 - 0.1 * d, 4), 10 * (d + 1) + h))
    return rows


def create_table(store: FeatureStore, now: datetime) -> None:
    """The offline data: a table in the team's database (the offline store's own credentials open it)."""
    import psycopg

    c = store.config.offline_store
    with psycopg.connect(
        host=c.host, port=c.port, dbname=c.database, user=c.user, password=c.password, sslmode=c.sslmode
    ) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (driver_id BIGINT NOT NULL, event_timestamp TIMESTAMPTZ NOT NULL,"
            " created TIMESTAMPTZ NOT NULL, conv_rate REAL, acc_rate REAL, avg_daily_trips BIGINT)"
        )
        conn.execute(f"TRUNCATE {TABLE}")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s, %s, %s)", sample_rows(now))


def apply(store: FeatureStore) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    create_table(store, now)
    store.apply([Project(name=store.project), driver, driver_stats_source, driver_stats])
    store.materialize(start_date=now - timedelta(hours=HOURS), end_date=now + timedelta(minutes=1))


def entity_rows(now: datetime) -> pd.DataFrame:
    return pd.DataFrame({"driver_id": DRIVER_IDS, "event_timestamp": [now - timedelta(hours=1)] * len(DRIVER_IDS)})


def main(command: str) -> None:
    store = feature_store()
    if command == "apply":
        apply(store)
        print(online_features(store, DRIVER_IDS))
    elif command == "train":
        print(historical_features(store, entity_rows(datetime.now(timezone.utc))).to_string())
    elif command == "serve":
        print(online_features(store, DRIVER_IDS))
    else:
        sys.exit(f'feature-repo: unknown command "{command}": use apply, train or serve')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "apply")
