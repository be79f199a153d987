// kube-node runs the parts of a Kubernetes node and control plane that the test bed's API server
// lacks, built from the same k8s.io/kubernetes module version: the kubelet, the scheduler and the
// controller manager. One binary, one link, the first argument names the component:
//
//	kube-node kubelet FLAGS...
//	kube-node scheduler FLAGS...
//	kube-node controller-manager FLAGS...
//
// The flags are the component's own (e.g. kubelet --config, --kubeconfig).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	components := map[string]func() *cobra.Command{
		"kubelet":            func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
		"scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
		"controller-manager": func() *cobra.Command { return controllermanager.NewControllerManagerCommand() },
	}
	if len(os.Args) < 2 || components[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: kube-node kubelet|scheduler|controller-manager FLAGS...")
		os.Exit(2)
	}
	command := components[os.Args[1]]()
	command.SetArgs(os.Args[2:])
	os.Exit(cli.Run(command))
}
