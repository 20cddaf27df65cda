//! syntax: `*.tandem` text -> AST. The only module that sees pest types; knows nothing of CRMs.
