import { createRouter, createWebHistory } from 'vue-router'
import ChatScreen from './components/screens/ChatScreen.vue'

/**
 * One URL per screen, so links, reloads and Back work. Settings and Help are drawers over the chat: their routes
 * show the chat underneath and open the drawer (App.vue keeps the drawer and the URL in step), so Back closes them.
 * The chat ships with the page; Models and Performance load when first opened (vue-router's lazy routes: about 8 KB
 * gzip off the first load, bench `shell`), and the service worker precaches their chunks, so they open offline too
 * (it also answers every app path with index.html offline, src/workers/service-worker/sw.ts).
 */
export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', name: 'chat', component: ChatScreen, meta: { title: 'Chat' } },
    { path: '/settings', name: 'settings', component: ChatScreen, meta: { title: 'Settings' } },
    { path: '/help', name: 'help', component: ChatScreen, meta: { title: 'Help' } },
    { path: '/models', name: 'models', component: () => import('./components/screens/ModelsScreen.vue'), meta: { title: 'Models' } },
    { path: '/performance', name: 'performance', component: () => import('./components/screens/PerformanceScreen.vue'), meta: { title: 'Performance' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Chat')} · Local AI Assistant`
})
