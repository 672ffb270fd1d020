package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// exprPath returns the lower-case dotted path of a property access such as
// needs.build.outputs.tag (also written needs['build'].outputs['tag']), or
// false when n is not a plain property access.
func exprPath(n actionlint.ExprNode) ([]string, bool) {
	switch n := n.(type) {
	case *actionlint.VariableNode:
		return []string{strings.ToLower(n.Name)}, true
	case *actionlint.ObjectDerefNode:
		p, ok := exprPath(n.Receiver)
		if !ok {
			return nil, false
		}
		return append(p, strings.ToLower(n.Property)), true
	case *actionlint.IndexAccessNode:
		s, ok := n.Index.(*actionlint.StringNode)
		if !ok {
			return nil, false
		}
		p, ok := exprPath(n.Operand)
		if !ok {
			return nil, false
		}
		return append(p, strings.ToLower(s.Value)), true
	}
	return nil, false
}

// outputRef is a reference to needs.<job>.outputs.<name> or
// steps.<step>.outputs.<name>.
type outputRef struct {
	// context is "needs" or "steps".
	context string
	// id is the job or step ID (lower case).
	id string
	// name is the output name (lower case).
	name string
}

func (o outputRef) String() string { return o.context + "." + o.id + ".outputs." + o.name }

// asOutputRef reports whether n is exactly a job or step output reference.
func asOutputRef(n actionlint.ExprNode) (outputRef, bool) {
	p, ok := exprPath(n)
	if !ok || len(p) != 4 || (p[0] != "needs" && p[0] != "steps") || p[2] != "outputs" || p[1] == "*" || p[3] == "*" {
		return outputRef{}, false
	}
	return outputRef{context: p[0], id: p[1], name: p[3]}, true
}

// walkExpr calls fn for n and every node under it, with the chain of parents.
func walkExpr(n actionlint.ExprNode, fn func(n actionlint.ExprNode, parents []actionlint.ExprNode)) {
	var parents []actionlint.ExprNode
	actionlint.VisitExprNode(n, func(n, _ actionlint.ExprNode, entering bool) {
		if entering {
			fn(n, parents)
			parents = append(parents, n)
		} else {
			parents = parents[:len(parents)-1]
		}
	})
}

// callsFunc reports whether the expression calls one of the functions
// (lower-case names).
func callsFunc(n actionlint.ExprNode, names ...string) bool {
	found := false
	actionlint.VisitExprNode(n, func(n, _ actionlint.ExprNode, entering bool) {
		if f, ok := n.(*actionlint.FuncCallNode); ok && entering {
			for _, name := range names {
				if strings.EqualFold(f.Callee, name) {
					found = true
				}
			}
		}
	})
	return found
}

// refersTo reports whether the expression refers to a path starting with
// prefix, such as github.workflow or needs.build.result.
func refersTo(n actionlint.ExprNode, prefix ...string) bool {
	found := false
	walkExpr(n, func(n actionlint.ExprNode, parents []actionlint.ExprNode) {
		if found {
			return
		}
		p, ok := exprPath(n)
		if !ok || len(p) < len(prefix) {
			return
		}
		for i := range prefix {
			if p[i] != prefix[i] {
				return
			}
		}
		found = true
	})
	return found
}

// isFalsyLiteral reports whether n is a literal that evaluates to false:
// the empty string, 0, false or null.
func isFalsyLiteral(n actionlint.ExprNode) bool {
	switch n := n.(type) {
	case *actionlint.StringNode:
		return n.Value == ""
	case *actionlint.IntNode:
		return n.Value == 0
	case *actionlint.FloatNode:
		return n.Value == 0
	case *actionlint.BoolNode:
		return !n.Value
	case *actionlint.NullNode:
		return true
	}
	return false
}
