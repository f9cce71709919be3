import { createRouter, createWebHistory } from 'vue-router'
import ChatScreen from './components/screens/ChatScreen.vue'
import ModelsScreen from './components/screens/ModelsScreen.vue'
import PerformanceScreen from './components/screens/PerformanceScreen.vue'

/**
 * One URL per screen, so links, reloads and Back work. Settings and Help are drawers over the chat: their routes
 * show the chat underneath and open the drawer (App.vue keeps the drawer and the URL in step), so Back closes them.
 * The screens are small, so they ship with the page; the service worker answers every app path with index.html
 * offline (src/workers/service-worker/sw.ts).
 */
export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', name: 'chat', component: ChatScreen, meta: { title: 'Chat' } },
    { path: '/settings', name: 'settings', component: ChatScreen, meta: { title: 'Settings' } },
    { path: '/help', name: 'help', component: ChatScreen, meta: { title: 'Help' } },
    { path: '/models', name: 'models', component: ModelsScreen, meta: { title: 'Models' } },
    { path: '/performance', name: 'performance', component: PerformanceScreen, meta: { title: 'Performance' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Chat')} · Local AI Assistant`
})
