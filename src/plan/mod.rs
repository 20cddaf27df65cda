//! plan: Program + state + remote records -> Plan. Pure diff and three-way merge; no IO.
