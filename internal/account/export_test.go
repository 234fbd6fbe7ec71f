package account

// HashesComputed is the number of password hashes s has computed.
func HashesComputed(s *Service) int64 { return s.gate.computed.Load() }
