//! The planner's rules that apply asks while it writes, in one place, so the runtime never
//! reaches into the planner's modules and the two cannot decide the same thing twice:
//!
//! - which fields of a source record get its new partner's id after a create
//!   ([`write_back_fields`]);
//! - which records made on the target since the plan a create would duplicate
//!   ([`create_collisions`], over the fields [`guard_fields`] names);
//! - what a linked record that an incremental read did not return looks like (its merge base:
//!   [`from_base`]), and which fields a create's recovery compares ([`created_fields`]);
//! - what an association pseudo-field holds ([`associated_value`], [`ids_in`],
//!   [`is_association_field`]);
//! - the digest that identifies a Plan in the run log ([`plan_digest`]).

pub use crate::association_value::{Associated, associated_value, ids_in, is_association_field};
pub use crate::matching::{create_collisions, guard_fields};
pub use crate::merge::write_back_fields;
pub use crate::planner::from_base;
pub use crate::recovery::created_fields;
pub use crate::view::plan_digest;
