//! sandbox: local, wire-compatible HubSpot and Salesforce APIs on loopback.
