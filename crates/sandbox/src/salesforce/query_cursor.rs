//! A server-side query cursor: the resolved query, the matching record slots and the page
//! size, addressed by `nextRecordsUrl` (`/query/01g...-2000`).

use super::query_plan::ResolvedQuery;

#[derive(Debug, Clone)]
pub struct QueryCursor {
    pub query: ResolvedQuery,
    pub slots: Vec<u32>,
    pub batch_size: usize,
    /// A `queryAll` cursor: deleted children appear in subqueries too.
    pub include_deleted: bool,
}
