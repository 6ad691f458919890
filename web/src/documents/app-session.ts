/** The browser app's document session, over this page's localStorage. */
import { weirStore } from '../store/index.ts';
import { DocumentSession } from './session.ts';

export const documentSession = new DocumentSession(weirStore, window.localStorage);
