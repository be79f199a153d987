// The platforms (os/architecture) the cluster's nodes run, from their well-known labels, kept
// current by the node watch so a new arm64 node pool shows up in the platform check at once.
export class NodePlatforms {
  private readonly byNode = new Map<string, string>();

  set(node: string, labels: Record<string, string> | undefined): void {
    const os = labels?.['kubernetes.io/os'];
    const arch = labels?.['kubernetes.io/arch'];
    if (os && arch) this.byNode.set(node, `${os}/${arch}`);
    else this.byNode.delete(node);
  }

  delete(node: string): void {
    this.byNode.delete(node);
  }

  platforms(): string[] {
    return [...new Set(this.byNode.values())].sort();
  }
}
