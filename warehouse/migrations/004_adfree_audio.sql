-- Ad-free audio (issue 12): each loaded episode's ad-free copy, and the source feed's channel
-- so that `podsift publish` can write the ad-free feed without fetching the source again.
-- Numbered 004 after 005 landed: migrations apply by the versions a warehouse has not seen,
-- so a warehouse at 005 gains this one on its next open.

CREATE TABLE adfree_audio (
    episode_id  VARCHAR PRIMARY KEY,
    status      VARCHAR NOT NULL,   -- cut: a copy without the ads; original: the feed keeps the source
    path        VARCHAR,            -- the copy under data_dir (status cut)
    mime_type   VARCHAR,            -- audio/mpeg
    duration_s  DOUBLE,             -- the copy's own length (ad-free clock)
    removed_s   DOUBLE NOT NULL,    -- seconds cut out
    bytes       BIGINT,
    reason      VARCHAR,            -- why the original is kept (status original)
    cuts        DOUBLE[][],         -- [[start_s, end_s], ...] removed, in the original clock
    created_at  TIMESTAMP NOT NULL
);

ALTER TABLE feeds ADD COLUMN channel_json VARCHAR;  -- title, image, description, iTunes tags
