-- Which users and teams each key's spend rows were charged to: one row per distinct (key, user, team), written by
-- the spend writer with the first spend row of each combination. /spend/logs filtered by user or team finds that
-- user's or team's keys here and then the rows through the api_key index, so the spend log table no longer needs
-- indexes of its own on user_id and team_id. Those two cost every stored row two more index updates (on embedded
-- H2, about a quarter of the writer's allocation), for a filter that only the management API uses.
-- A key without a hash (rows of keyless requests) is stored as ''; absent users and teams too, so that the primary
-- key stays NOT NULL and ON CONFLICT can see duplicates.
CREATE TABLE IF NOT EXISTS llmux_spend_log_owners (
    api_key CHAR(64) NOT NULL,
    user_id VARCHAR(128) NOT NULL,
    team_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (api_key, user_id, team_id)
);

CREATE INDEX IF NOT EXISTS llmux_spend_log_owners_user_id ON llmux_spend_log_owners (user_id);
CREATE INDEX IF NOT EXISTS llmux_spend_log_owners_team_id ON llmux_spend_log_owners (team_id);

INSERT INTO llmux_spend_log_owners (api_key, user_id, team_id)
SELECT DISTINCT COALESCE(api_key, ''), COALESCE(user_id, ''), COALESCE(team_id, '')
FROM llmux_spend_logs
WHERE user_id IS NOT NULL OR team_id IS NOT NULL
ON CONFLICT DO NOTHING;

DROP INDEX IF EXISTS llmux_spend_logs_team_id;
DROP INDEX IF EXISTS llmux_spend_logs_user_id;
