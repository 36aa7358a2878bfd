//! One scenario's result, printed as a table row for people and a JSON line for scripts.

use serde_json::{Map, Value, json};

/// Named figures of one run, in the order they were added.
pub struct Report {
    scenario: &'static str,
    figures: Vec<(&'static str, Value)>,
}

impl Report {
    pub fn new(scenario: &'static str) -> Self {
        Self {
            scenario,
            figures: Vec::new(),
        }
    }

    #[must_use]
    pub fn add(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.figures.push((name, value.into()));
        self
    }

    /// A figure by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.figures
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value)
    }

    /// A human table, then the same figures as one JSON line.
    pub fn print(&self) {
        println!("{}", self.scenario);
        for (name, value) in &self.figures {
            println!("  {name:<28} {value}");
        }
        let mut object = Map::new();
        object.insert("scenario".into(), json!(self.scenario));
        for (name, value) in &self.figures {
            object.insert((*name).into(), value.clone());
        }
        println!("{}", Value::Object(object));
    }
}

/// Rounds to two decimals, for figures read by people.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
