package definition

// StartWorkflow enrolls the friend into another workflow (by ID), passing Vars (each a
// {{…}} text) as that workflow's enrollment vars. The step does not wait for the other
// workflow; failed is taken when the enrollment is refused (the workflow is not active,
// or the friend is already enrolled in it). Workflows that start each other in a circle
// are refused at activation (FindWorkflowCycle).
//
//	{"id": "upsell", "type": "start_workflow", "workflowId": "wf_123",
//	 "vars": {"coupon": "SPRING10"}, "next": "done"}
type StartWorkflow struct {
	NodeBase
	WorkflowID string            `json:"workflowId,omitempty" validate:"required,max=100,singleline"`
	Vars       map[string]string `json:"vars,omitempty" validate:"max=50,dive,keys,ident,endkeys,max=2000,tmpl"`
}

func (n *StartWorkflow) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *StartWorkflow) check(*checker, string) {}
