//! Who may connect: a cap on all connections and one per address, each held for the life of
//! a connection by an [`Admitted`] ticket.
//!
//! A connection over either cap is still given a TLS handshake and told why it is refused,
//! so that a person sees "too many connections" rather than a reset; how many such
//! refusals run at once is bounded too, and past that bound a connection is simply dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Limits;

/// Refusals being told at once.
const REFUSALS: usize = 32;

pub struct Admission {
    total: Arc<Semaphore>,
    refusals: Arc<Semaphore>,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
}

/// What to do with a new connection.
pub enum Decision {
    Admit(Admitted),
    /// Tell it why it is refused, holding this permit meanwhile.
    Refuse(OwnedSemaphorePermit),
    Drop,
}

/// A connection's place under the caps, given back when dropped.
pub struct Admitted {
    _permit: OwnedSemaphorePermit,
    address: IpAddr,
    admission: Arc<Admission>,
}

impl Admission {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(Self {
            total: Arc::new(Semaphore::new(limits.max_connections)),
            refusals: Arc::new(Semaphore::new(REFUSALS)),
            per_address: Mutex::new(HashMap::new()),
            max_per_address: limits.max_connections_per_address,
        })
    }

    pub fn decide(self: &Arc<Self>, address: IpAddr) -> Decision {
        match self.try_admit(address) {
            Some(admitted) => Decision::Admit(admitted),
            None => match self.refusals.clone().try_acquire_owned() {
                Ok(permit) => Decision::Refuse(permit),
                Err(_) => Decision::Drop,
            },
        }
    }

    fn try_admit(self: &Arc<Self>, address: IpAddr) -> Option<Admitted> {
        let mut per_address = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if per_address
            .get(&address)
            .is_some_and(|count| *count >= self.max_per_address)
        {
            return None;
        }
        let permit = self.total.clone().try_acquire_owned().ok()?;
        *per_address.entry(address).or_default() += 1;
        Some(Admitted {
            _permit: permit,
            address,
            admission: self.clone(),
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut per_address = self
            .admission
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(total: usize, per_address: usize) -> Arc<Admission> {
        Admission::new(&Limits {
            max_connections: total,
            max_connections_per_address: per_address,
            ..Limits::default()
        })
    }

    #[test]
    fn each_address_has_its_own_cap_and_gets_its_places_back() {
        let admission = admission(10, 2);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        let first = admission.try_admit(one).unwrap();
        let _second = admission.try_admit(one).unwrap();
        assert!(admission.try_admit(one).is_none());
        assert!(admission.try_admit(two).is_some());
        drop(first);
        assert!(admission.try_admit(one).is_some());
    }

    #[test]
    fn the_total_cap_holds_across_addresses() {
        let admission = admission(2, 10);
        let _a = admission.try_admit("192.0.2.1".parse().unwrap()).unwrap();
        let _b = admission.try_admit("192.0.2.2".parse().unwrap()).unwrap();
        assert!(matches!(
            admission.decide("192.0.2.3".parse().unwrap()),
            Decision::Refuse(_)
        ));
        assert!(
            admission.per_address.lock().unwrap().len() == 2,
            "a refusal leaves no count"
        );
    }
}
