//! Reference code lists carried as data (SSDA903 legal status and ethnicity), so a child's
//! profile uses the codes the council's returns use (EQ-04, REF-19).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Code {
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CodeLists {
    pub legal_status: Vec<Code>,
    pub ethnicity: Vec<Code>,
}

impl CodeLists {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn legal_status(&self, code: &str) -> Option<&Code> {
        self.legal_status.iter().find(|c| c.code == code)
    }

    pub fn ethnicity(&self, code: &str) -> Option<&Code> {
        self.ethnicity.iter().find(|c| c.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_04_ssda903_codes_load() {
        let lists = CodeLists::from_json(include_str!("../../../data/ssda903.json"))
            .unwrap_or_else(|_| CodeLists {
                legal_status: vec![],
                ethnicity: vec![],
            });
        assert!(
            lists
                .legal_status("V2")
                .is_some_and(|c| c.description.contains("section 20"))
        );
        assert!(lists.legal_status("C2").is_some());
        assert!(lists.legal_status("Z9").is_none());
        assert!(lists.ethnicity("WBRI").is_some());
    }
}
