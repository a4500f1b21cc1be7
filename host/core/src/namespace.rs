//! Namespace ids with a meaning in the statistics.

/// Articles.
pub const MAIN: i32 = 0;
/// Article talk pages.
pub const TALK: i32 = 1;
/// User pages.
pub const USER: i32 = 2;
/// Drafts, on wikis that have the Draft namespace.
pub const DRAFT: i32 = 118;

/// Namespaces whose revisions a sync fetches, where the wiki has them: main, talk, user, user
/// talk, project, project talk, template, template talk, draft and draft talk. These are the
/// namespaces the Programs & Events Dashboard counts edits in.
pub const FETCHED: [i32; 10] = [0, 1, 2, 3, 4, 5, 10, 11, 118, 119];

/// Namespaces tracked for articles when a campaign names none.
pub const DEFAULT_TRACKED: [i32; 1] = [MAIN];
