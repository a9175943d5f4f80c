"""The only place that talks to an org.

- `sf`: the only module that runs the Salesforce CLI (through `sh`);
- `answers`: what `sf --json` answers mean (results, failures, the errors they become);
- `deploy`: the deploy step every workflow shares (lock, lease, snapshot and in-org check,
  deploy, record the event);
- `jobs`: the journal of a started deploy job, and `settle`: how the next run finishes a job
  a killed run left;
- `payload`: what a deploy step sends (components, version readers, files, manifests);
- `inorg`: the snapshot and in-org check before a deploy (work that exists only in the org);
- `left`: the version each recorded event left in the org (a deployment's commit, a
  rollback's snapshot), for the in-org check and the rollback plan;
- `versions`: which version of each component an org (or a commit) holds, compared by meaning;
- `snapshots`: what an org held before sfsync deployed over it, kept in
  `refs/sfsync/snapshots/<env>/<id>`.
- `listing`: every component of an org with who changed it and when (describeMetadata,
  listMetadata; `list_metadata.js` lists many types in one `node` process);
- `chunks`: retrieves of many components within the Metadata API's limits, split on
  LIMIT_EXCEEDED;
- `backups`: org backups in git, `refs/sfsync-backups/<env>`, and the journal of an
  unfinished one;
- `content`: an org's files for the components of some types (drift, compare).

May import `sfsync.pipeline` (environments), `sfsync.git` and `sfsync.metadata`.
"""
