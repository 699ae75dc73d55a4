//! The types of the tables `tools/codegen.py` generates from the service models.

/// An operation of a service model.
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    /// Index into the service's `SHAPES` of the input structure.
    pub input: Option<usize>,
    pub output: Option<usize>,
    /// The exceptions the model lists for this operation.
    pub errors: &'static [&'static str],
}

/// An exception shape of a service model.
#[derive(Debug)]
pub struct ErrorShape {
    pub name: &'static str,
    pub status: u16,
}

/// A member of a structure shape.
#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub shape: usize,
    pub required: bool,
}

/// The constraints of a shape, as much as the validator needs.
#[derive(Debug)]
pub enum Shape {
    Structure {
        name: &'static str,
        members: &'static [Member],
        /// The model's `sensitive` trait: no value inside may be echoed in a message.
        sensitive: bool,
    },
    List {
        member: usize,
        min: Option<i64>,
        max: Option<i64>,
    },
    Map {
        key: usize,
        value: usize,
        min: Option<i64>,
        max: Option<i64>,
        /// The model's `sensitive` trait: no key or value may be echoed in a message.
        sensitive: bool,
    },
    String {
        min: Option<i64>,
        max: Option<i64>,
        pattern: Option<&'static str>,
        values: &'static [&'static str],
        /// The model's `sensitive` trait: the value is never echoed in a message.
        sensitive: bool,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Timestamp,
    Blob {
        min: Option<i64>,
        max: Option<i64>,
    },
    Double,
    Document,
}

/// One service: its target prefix and generated tables.
#[derive(Debug)]
pub struct ServiceModel {
    pub target_prefix: &'static str,
    pub operations: &'static [Operation],
    pub shapes: &'static [Shape],
}

impl ServiceModel {
    pub fn operation(&self, name: &str) -> Option<&'static Operation> {
        let ops = self.operations;
        ops.binary_search_by(|op| op.name.cmp(name))
            .ok()
            .map(|i| &ops[i])
    }
}

pub static IDP: ServiceModel = ServiceModel {
    target_prefix: super::generated::idp::TARGET_PREFIX,
    operations: super::generated::idp::OPERATIONS,
    shapes: super::generated::idp::SHAPES,
};

pub static IDENTITY: ServiceModel = ServiceModel {
    target_prefix: super::generated::identity::TARGET_PREFIX,
    operations: super::generated::identity::OPERATIONS,
    shapes: super::generated::identity::SHAPES,
};
