package bsssim

// coreOps are the operations the core simulator owns; commerceOps adds the
// orders, resources, ratings and ECS/EVS.
func (s *Server) coreOps() []op {
	var ops []op
	ops = append(ops, s.iamOps()...)
	ops = append(ops, s.customerOps()...)
	ops = append(ops, s.realnameOps()...)
	ops = append(ops, s.accountOps()...)
	return ops
}
