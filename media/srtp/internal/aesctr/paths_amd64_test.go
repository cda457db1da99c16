//go:build !purego

package aesctr

// asmPaths names the assembly paths this CPU supports: index i is the
// ctrPath value pathAESNI, pathVAES256, pathVAES512, up to bestPath.
func asmPaths() []string { return pathNames[:bestPath+1] }

// setAsmPath makes ctrBlocks take path i of asmPaths; -1 restores the default.
func setAsmPath(i int) {
	if i < 0 || i > bestPath {
		i = bestPath
	}
	ctrPath = i
}

// asmPathName is the name of the path ctrBlocks takes now.
func asmPathName() string { return pathNames[ctrPath] }
