-- podsift warehouse, first schema. Times are UTC TIMESTAMPs; durations are seconds (DOUBLE).

CREATE TABLE feeds (
    feed_id          VARCHAR PRIMARY KEY,   -- hash of the configured URL or path
    url              VARCHAR NOT NULL,      -- as configured
    current_url      VARCHAR,               -- where a permanent redirect moved it
    name             VARCHAR,               -- config's name for it
    title            VARCHAR,               -- the feed's own title
    etag             VARCHAR,
    last_modified    VARCHAR,
    last_checked_at  TIMESTAMP,
    last_success_at  TIMESTAMP,
    last_error       VARCHAR                -- NULL when the last poll succeeded
);

CREATE TABLE episodes (
    episode_id         VARCHAR PRIMARY KEY, -- hash of feed_id and guid
    feed_id            VARCHAR NOT NULL,
    guid               VARCHAR NOT NULL,
    audio_key          VARCHAR,             -- audio URL without scheme, query or tracking prefix
    title              VARCHAR,
    published_at       TIMESTAMP,
    audio_url          VARCHAR,
    duration_s         DOUBLE,              -- decoded audio duration, else the feed's
    description        VARCHAR,
    status             VARCHAR NOT NULL,    -- done, failed, skipped
    error              VARCHAR,
    attempts           INTEGER NOT NULL DEFAULT 0,
    transcript_source  VARCHAR,             -- whisper:<model> or publisher:<format>
    audio_bytes        BIGINT,
    audio_sha256       VARCHAR,
    first_seen_at      TIMESTAMP,
    updated_at         TIMESTAMP
);

CREATE TABLE segments (
    episode_id  VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    start_s     DOUBLE NOT NULL,
    end_s       DOUBLE NOT NULL,
    text        VARCHAR NOT NULL,
    is_ad       BOOLEAN NOT NULL,
    PRIMARY KEY (episode_id, seq)
);

CREATE TABLE ad_spans (
    episode_id  VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    start_s     DOUBLE NOT NULL,
    end_s       DOUBLE NOT NULL,
    confidence  DOUBLE NOT NULL,
    reason      VARCHAR NOT NULL,
    PRIMARY KEY (episode_id, seq)
);

CREATE TABLE facts (
    episode_id  VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    text        VARCHAR NOT NULL,
    start_s     DOUBLE NOT NULL,
    end_s       DOUBLE NOT NULL,
    score       DOUBLE NOT NULL,
    entities    VARCHAR[],
    PRIMARY KEY (episode_id, seq)
);

CREATE TABLE runs (
    run_id               VARCHAR PRIMARY KEY,
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    status               VARCHAR NOT NULL,  -- running, ok, partial, failed, aborted
    feeds_polled         INTEGER DEFAULT 0,
    feeds_failed         INTEGER DEFAULT 0,
    episodes_new         INTEGER DEFAULT 0,
    episodes_done        INTEGER DEFAULT 0,
    episodes_failed      INTEGER DEFAULT 0,
    episodes_skipped     INTEGER DEFAULT 0,
    minutes_transcribed  DOUBLE DEFAULT 0,
    ads_found            INTEGER DEFAULT 0,
    facts_extracted      INTEGER DEFAULT 0,
    message              VARCHAR
);
