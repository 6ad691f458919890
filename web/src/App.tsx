/** The editor's layout: toolbar on top; palette, canvas and inspector side by side; panels below the canvas. */
import { ReactFlowProvider } from '@xyflow/react';
import { Toolbar } from './toolbar/Toolbar.tsx';
import { Palette } from './palette/Palette.tsx';
import { Canvas } from './canvas/Canvas.tsx';
import { Inspector } from './inspector/Inspector.tsx';
import { BottomDock } from './canvas/BottomDock.tsx';
import { NoticeBanner } from './documents/NoticeBanner.tsx';
import { DeploymentsPanel } from './deploy/DeploymentsPanel.tsx';
import { useEditorShortcuts } from './canvas/shortcuts.ts';
import { weirStore } from './store/index.ts';
import { useDeployUi } from './deploy/deploy-state.ts';
import { LiveCanvasFeed } from './deploy/LiveCanvas.tsx';

export function App() {
  useEditorShortcuts(weirStore);
  // The deployments panel is a column of its own beside the inspector, so watching a job never hides the node at hand.
  const deploymentsOpen = useDeployUi((s) => s.panelOpen);
  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <NoticeBanner />
        <div className={`workspace${deploymentsOpen ? ' workspace--deployments' : ''}`}>
          <Palette />
          <main className="center" aria-label="Pipeline editor">
            <Canvas />
            <BottomDock />
          </main>
          <Inspector />
          <DeploymentsPanel />
          <LiveCanvasFeed />
        </div>
      </div>
    </ReactFlowProvider>
  );
}
