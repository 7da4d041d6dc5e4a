/**
 * Notifications for approval prompts in the browser preview, through the web
 * Notification API. In Electron, main shows them as OS notifications itself (its
 * gateway `notify`, src/main/index.ts) and the window denies every permission, so this
 * stays off there. Shown only when Latchkey's page does not have the focus (the in-app prompt is right there otherwise), closed
 * as soon as the prompt is answered, refused or timed out. The text names the agent,
 * the credential and the destination, as the prompt does: never a value.
 */
import type { PendingApproval } from '../shared/contracts/gateway';

export interface ApprovalNotifier {
  show(p: PendingApproval): void;
  close(id: string): void;
}

export function createApprovalNotifier(enabled: boolean): ApprovalNotifier {
  const open = new Map<string, Notification>();
  const supported = (): boolean => enabled && typeof Notification !== 'undefined';

  const present = (p: PendingApproval): void => {
    const n = new Notification(`${p.agentName} wants to use ${p.credentialName}`, {
      body: `${p.tool} → ${p.destination}. Open Latchkey to allow or deny.`,
      tag: `latchkey-approval-${p.id}`,
      requireInteraction: true,
    });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    open.set(p.id, n);
  };

  return {
    show(p) {
      if (!supported() || document.hasFocus() || open.has(p.id)) return;
      if (Notification.permission === 'granted') present(p);
      else if (Notification.permission === 'default')
        void Notification.requestPermission().then(
          (answer) => {
            if (answer === 'granted' && !document.hasFocus()) present(p);
          },
          () => undefined,
        );
    },
    close(id) {
      open.get(id)?.close();
      open.delete(id);
    },
  };
}
