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

export function App() {
  useEditorShortcuts(weirStore);
  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <NoticeBanner />
        <div className="workspace">
          <Palette />
          <main className="center" aria-label="Pipeline editor">
            <Canvas />
            <BottomDock />
          </main>
          <Inspector />
        </div>
        <DeploymentsPanel />
      </div>
    </ReactFlowProvider>
  );
}
