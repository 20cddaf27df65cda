//! names: schema-independent name checks (duplicate and undefined syncs, maps, tables, connections).
