//! A server-side query cursor: the matching record slots, the selected fields and how far
//! the client has read, addressed by `nextRecordsUrl` (`/query/01g...-2000`).

#[derive(Debug, Clone)]
pub struct QueryCursor {
    pub object: String,
    pub slots: Vec<u32>,
    pub fields: Vec<String>,
    pub batch_size: usize,
}
